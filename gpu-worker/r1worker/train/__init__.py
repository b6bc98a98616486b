"""Shared training infrastructure of the worker stages (sft, reward, grpo).

- `loop`: the one training loop (lr → micro-batch accumulation → clip → step → log → checkpoint /
  SIGTERM → resume) the stages hand their step functions to.
- `sft` has its step in the stage; `reward_step` and `grpo_step`: the reward model's and the GRPO
  update's micro-batches and step functions.

- `distributed`: torchrun / AWS Batch multi-node rendezvous, process group, FSDP wrapping.
- `schedule`: AdamW and the linear warm-up + cosine learning-rate schedule.
- `batching`: chat encoding with completion-only labels, curriculum order, packing, token-budget
  micro-batches and their split over optimizer steps and ranks.
- `checkpoint`: save / find / load resumable checkpoints; the SIGTERM flag (spot reclaim).
- `precision`: device and bf16 autocast choice.
- `metrics`: model-FLOPs utilisation.
"""
