"""Evaluate a fine-tuned model on a built split: the questions to ask it, and scoring its answers."""
