"""The PyTorch peer of the transformer in `npm run bench:train`: the engine's `transformer` template
(keepers/src/training/transformer.ts) as a PyTorch user writes it, with nn.TransformerEncoderLayer
(pre-norm, exact GELU, no dropout), trained with the same batch, Adam recipe and thread count for
the same number of steps, timed the same way (training steps only).

    python3 bench/torchTransformer.py --mnist DIR --steps 200 --threads 2 [--deterministic]

Prints one JSON line: images_per_s, deterministic, torch (its version), parameters. Run by bench/train.ts when
Debian's python3-torch is installed; not a dependency of the project.
"""
import argparse
import json
import time

import torch
from torch import nn

from torchLenet5 import mnist, peer_arguments, set_up

TOKENS = 28


class Encoder(nn.Module):
    """Rows as tokens: Linear 28→d plus a learned position, pre-norm encoder layers, LayerNorm, mean over tokens, Linear d→10."""

    def __init__(self, width, layers, heads):
        super().__init__()
        self.embed = nn.Linear(TOKENS, width)
        self.position = nn.Parameter(torch.empty(TOKENS, width).uniform_(-(6 / width) ** 0.5, (6 / width) ** 0.5))
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
            for _ in range(layers)
        )
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, 10)

    def forward(self, images):
        x = self.embed(images.view(-1, TOKENS, TOKENS)) + self.position
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x).mean(1))


def main():
    parser = argparse.ArgumentParser()
    peer_arguments(parser)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    args = parser.parse_args()
    set_up(args)

    images, labels = mnist(args.mnist, "train")
    model = Encoder(args.width, args.layers, args.heads)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(args.steps * args.batch_size)

    model.train()
    start = time.perf_counter()
    for step in range(args.steps):
        index = order[step * args.batch_size:(step + 1) * args.batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(images[index]), labels[index]).backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "images_per_s": round(args.steps * args.batch_size / seconds),
        "deterministic": args.deterministic,
        "torch": torch.__version__,
        "parameters": sum(p.numel() for p in model.parameters()),
    }))


if __name__ == "__main__":
    main()
