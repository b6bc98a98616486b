"""Step labels for the process reward head: rule checks (`rules`), Math-Shepherd automatic labels
(`math_shepherd`), PRM800K human labels (`prm800k`), and the reward stage's encodings (`encode`).
Labels follow PRM800K: −1 bad, 0 neutral / not checkable, +1 good."""

from .math_shepherd import label_steps
from .prm800k import read_prm800k
from .rules import arithmetic_label, gsm8k_annotation_label, rule_step_label, split_steps

__all__ = [
    "arithmetic_label",
    "gsm8k_annotation_label",
    "label_steps",
    "read_prm800k",
    "rule_step_label",
    "split_steps",
]
