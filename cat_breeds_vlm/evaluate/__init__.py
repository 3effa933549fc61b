"""Evaluate a fine-tuned model on a built split: the questions to ask it (``prompts``), asking
them through an OpenAI-compatible endpoint (``predict``), and scoring its answers (``score``)."""
