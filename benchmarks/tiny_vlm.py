"""A tiny, randomly initialised LLaVA made offline, for the benchmarks that try the real consumers
(TRL's collator, ``transformers serve``): nothing is downloaded.

- the processor: a byte-level BPE tokenizer trained with ``tokenizers`` on the given text
  (special tokens ``<|im_start|>``, ``<|im_end|>``, ``<image>``, ``<pad>``) with a ChatML chat
  template that renders an image part as ``<image>``, and a 56 px ``CLIPImageProcessor``;
- the model: a CLIP vision tower on 56 px images with 14 px patches (16 image tokens once the
  class token is dropped), hidden size 32, 2 layers, and a 2-layer Llama.

Needs torch, transformers and tokenizers (not dependencies of this package): see the benchmarks
that import it for the environment.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoProcessor,
    CLIPImageProcessor,
    CLIPVisionConfig,
    LlamaConfig,
    LlavaConfig,
    LlavaForConditionalGeneration,
    LlavaProcessor,
    PreTrainedTokenizerFast,
)

IMAGE_TOKEN = "<image>"
SPECIAL = ["<|im_start|>", "<|im_end|>", IMAGE_TOKEN, "<pad>"]
#: ChatML; an image part is the image token (which the processor expands to 16), a text part its text.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}<image>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def make_processor(texts: list[str], folder: Path, vocab_size: int = 600) -> LlavaProcessor:
    """The tiny processor, its tokenizer trained on ``texts``, saved to ``folder`` and loaded back."""
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(texts, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<pad>",
        extra_special_tokens={"image_token": IMAGE_TOKEN},
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    images = CLIPImageProcessor(size={"shortest_edge": 56}, crop_size={"height": 56, "width": 56})
    processor = LlavaProcessor(
        image_processor=images,
        tokenizer=tokenizer,
        patch_size=14,
        vision_feature_select_strategy="default",  # CLIP's class token is dropped: 16 image tokens
        num_additional_image_tokens=1,
        chat_template=CHAT_TEMPLATE,
        image_token=IMAGE_TOKEN,
    )
    folder.mkdir(parents=True, exist_ok=True)
    processor.save_pretrained(folder)
    return AutoProcessor.from_pretrained(folder)


def tiny_model(processor: LlavaProcessor) -> LlavaForConditionalGeneration:
    """A random LLaVA small enough for a CPU, for ``processor``'s tokenizer (seeded: the same weights each run)."""
    tokenizer = processor.tokenizer
    vision = CLIPVisionConfig(
        image_size=56, patch_size=14, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2
    )
    text = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    config = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=tokenizer.convert_tokens_to_ids(IMAGE_TOKEN),
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
    )
    torch.manual_seed(0)
    model = LlavaForConditionalGeneration(config).eval()
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model


def save_tiny_vlm(folder: Path, texts: list[str]) -> None:
    """The processor and the model, saved together to ``folder`` (what ``transformers serve`` loads)."""
    processor = make_processor(texts, folder)
    tiny_model(processor).save_pretrained(folder)
