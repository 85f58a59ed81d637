"""GPU memory of a few real training steps against ``model_stats.training_memory`` (notebook 11's table).

    python benchmarks/gpu_memory_check.py                 # CUDA: YOLOX-s and -m @ 640, batches 8 and 32, fp16 AMP
    python benchmarks/gpu_memory_check.py --device cpu    # rehearsal without a GPU: the estimates, and the
                                                          # same steps once at 128 px, batch 2 (bf16)

For each (model, batch): three SGD steps on random images with a few boxes each under fp16 autocast and a
grad scaler, then ``torch.cuda.max_memory_allocated()`` (what the tensors took; the CUDA context and the
allocator's cache come on top, ``max_memory_reserved`` shows the latter) next to the estimate.
"""

from __future__ import annotations

import argparse

import torch

from yolox_edu.model_stats import training_memory
from yolox_edu.models import build_model


def measure(name: str, batch: int, size: int, device: torch.device) -> tuple[float, float]:
    """(max allocated, max reserved) in GB over three training steps (on a CPU: the steps only, (0, 0))."""
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    model = build_model(name, num_classes=80).to(device, memory_format=torch.channels_last).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, nesterov=True)
    scaler = torch.amp.GradScaler(device.type, enabled=cuda)
    g = torch.Generator().manual_seed(0)
    images = (torch.rand(batch, 3, size, size, generator=g) * 255).to(device, memory_format=torch.channels_last)
    targets = torch.zeros(batch, 10, 5)  # (B, max_labels, class cx cy w h), 10 boxes an image
    targets[..., 0] = torch.randint(0, 80, (batch, 10), generator=g).float()
    targets[..., 1:3] = size * (0.2 + 0.6 * torch.rand(batch, 10, 2, generator=g))
    targets[..., 3:] = size * (0.05 + 0.3 * torch.rand(batch, 10, 2, generator=g))
    for _ in range(3):
        with torch.autocast(device.type, dtype=torch.float16 if cuda else torch.bfloat16):
            losses = model(images, targets.to(device))
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(losses["total"]).backward()
        scaler.step(optimizer)
        scaler.update()
    if not cuda:
        return 0.0, 0.0
    torch.cuda.synchronize(device)
    return torch.cuda.max_memory_allocated(device) / 1e9, torch.cuda.max_memory_reserved(device) / 1e9


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--models", nargs="+", default=["yolox-s", "yolox-m"])
    p.add_argument("--batches", nargs="+", type=int, default=[8, 32])
    p.add_argument("--size", type=int, default=640)
    args = p.parse_args()
    device = torch.device(args.device)
    cuda = device.type == "cuda" and torch.cuda.is_available()
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(device) if cuda else 'no CUDA: estimates only'}")
    print(f"{'model':10s} {'batch':>5s} {'estimate GB':>11s} {'allocated GB':>12s} {'reserved GB':>11s} {'ratio':>6s}")
    for name in args.models:
        for batch in args.batches:
            est = training_memory(name, batch, args.size).total_gb
            if not cuda:
                print(f"{name:10s} {batch:5d} {est:11.2f}")
                continue
            allocated, reserved = measure(name, batch, args.size, device)
            print(f"{name:10s} {batch:5d} {est:11.2f} {allocated:12.2f} {reserved:11.2f} {allocated / est:6.2f}")
    if not cuda:
        measure(args.models[0], 2, 128, device)
        print(f"rehearsal: three {args.models[0]} steps at 128 px, batch 2, bf16 on the CPU ran")


if __name__ == "__main__":
    main()
