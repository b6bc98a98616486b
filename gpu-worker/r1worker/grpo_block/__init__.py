"""The pieces of the grpo-block stage (K GRPO iterations in one process): its config, one
iteration's rollout / score / update, and what each iteration writes under `iter-NNNN/`."""
