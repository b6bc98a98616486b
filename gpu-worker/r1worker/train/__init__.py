"""Shared training infrastructure of the worker stages (sft, reward, grpo).

- `distributed`: torchrun / AWS Batch multi-node rendezvous, process group, FSDP wrapping.
- `schedule`: AdamW and the linear warm-up + cosine learning-rate schedule.
- `batching`: chat encoding with completion-only labels, curriculum order, packing, token-budget
  micro-batches and their split over optimizer steps and ranks.
- `checkpoint`: save / find / load resumable checkpoints; the SIGTERM flag (spot reclaim).
- `precision`: device and bf16 autocast choice.
- `metrics`: tokens/s and model-FLOPs utilisation.
"""
