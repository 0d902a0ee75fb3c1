"""Shared by the golden-data generators (make_golden*.py): torch only, so it
works with any transformers version they pin."""
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
