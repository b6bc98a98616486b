"""r1flow GPU worker."""
