"""The PyTorch peer of `npm run bench:train`: the same LeNet-5, MNIST split, batch size, Adam
recipe and thread count, timed the same way (training steps only, evaluation excluded).

    python3 bench/torchLenet5.py --mnist DIR --epochs 1 --threads 2 [--deterministic]

Prints a progress line per epoch on stderr, then one JSON line: images_per_s, test_acc (after the last epoch), deterministic, torch (its version). Run by
bench/train.ts when Debian's python3-torch is installed; not a dependency of the project.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def read_idx(path, offset):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def peer_arguments(parser):
    """The options every PyTorch peer of bench/train.ts takes."""
    parser.add_argument("--mnist", required=True, help="directory of the four MNIST IDX files")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--deterministic", action="store_true")


def set_up(args):
    """The threads, the seed and, when asked, deterministic algorithms."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    if args.deterministic:
        torch.use_deterministic_algorithms(True)


def mnist(directory, name):
    """MNIST's `name` ("train" or "t10k") images as [N, 1, 28, 28] values in [0, 1], and their labels."""
    images = torch.from_numpy(read_idx(f"{directory}/{name}-images-idx3-ubyte", 16).astype(np.float32) / 255).view(-1, 1, 28, 28)
    return images, torch.from_numpy(read_idx(f"{directory}/{name}-labels-idx1-ubyte", 8).astype(np.int64))


def main():
    parser = argparse.ArgumentParser()
    peer_arguments(parser)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--learning-rate-decay", type=float, default=0.6)
    parser.add_argument("--train-images", type=int, default=55000)
    args = parser.parse_args()
    set_up(args)

    images, labels = mnist(args.mnist, "train")
    test_images, test_labels = mnist(args.mnist, "t10k")
    train_images, train_labels = images[: args.train_images], labels[: args.train_images]

    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate, betas=(0.9, 0.999), eps=1e-8)
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=args.learning_rate_decay)
    loss_fn = nn.CrossEntropyLoss()
    steps = len(train_images) // args.batch_size

    seconds = 0.0
    for epoch in range(args.epochs):
        order = torch.randperm(len(train_images))
        model.train()
        start = time.perf_counter()
        for step in range(steps):
            index = order[step * args.batch_size:(step + 1) * args.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(train_images[index]), train_labels[index]).backward()
            optimizer.step()
        epoch_seconds = time.perf_counter() - start
        seconds += epoch_seconds
        schedule.step()
        print(f"PyTorch epoch {epoch + 1}/{args.epochs}: {steps * args.batch_size / epoch_seconds:.0f} img/s", file=sys.stderr, flush=True)

    model.eval()
    with torch.no_grad():
        correct = sum(int((model(test_images[i:i + 1000]).argmax(1) == test_labels[i:i + 1000]).sum()) for i in range(0, len(test_images), 1000))
    print(json.dumps({
        "images_per_s": round(args.epochs * steps * args.batch_size / seconds),
        "test_acc": round(100 * correct / len(test_images), 2),
        "deterministic": args.deterministic,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
