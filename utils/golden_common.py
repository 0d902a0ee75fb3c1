"""Shared by the golden-data generators (make_golden*.py): torch only, so it
works with any transformers version they pin."""
import os

import torch


def perturb(model, seed):
    """Random values in every parameter (LayerNorm too) so that swapped or
    unbound weights cannot go unnoticed."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g) * 0.1
            if name.endswith("LayerNorm.weight") or name.endswith("layer_norm.weight"):
                p.copy_(1.0 + noise)
            else:
                p.copy_(noise * 2.0)


def save_model(cls, cfg, seed, folder):
    """A randomized eval-mode `cls(cfg)` saved with save_pretrained into an
    emptied `folder` (the tied weights tied first); returns the model."""
    torch.manual_seed(seed)
    model = cls(cfg).eval()
    perturb(model, seed)
    if hasattr(model, "tie_weights"):
        model.tie_weights()
    os.makedirs(folder, exist_ok=True)
    for f in os.listdir(folder):
        os.remove(os.path.join(folder, f))
    model.save_pretrained(folder, safe_serialization=True)
    extra = os.path.join(folder, "generation_config.json")
    if os.path.exists(extra):
        os.remove(extra)
    return model
