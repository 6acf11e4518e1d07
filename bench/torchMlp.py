"""PyTorch's side of bench/memory.ts: the same MLP (784 -> h1 -> h2 -> 10, ReLU), Adam steps on random
MNIST-shaped batches (memory does not depend on the pixel values), and torch.save of the model and the
optimizer after every step, as a training job checkpoints. Prints one JSON line: peak RSS (MiB) and seconds."""
import argparse, json, os, resource, tempfile, time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--hidden", default="4096,1536")
parser.add_argument("--steps", type=int, default=4)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)
h1, h2 = (int(x) for x in args.hidden.split(","))
model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, h1), torch.nn.ReLU(), torch.nn.Linear(h1, h2), torch.nn.ReLU(), torch.nn.Linear(h2, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
started = time.perf_counter()
with tempfile.TemporaryDirectory() as directory:
    for step in range(args.steps):
        x = torch.rand(args.batch_size, 1, 28, 28)
        y = torch.randint(0, 10, (args.batch_size,))
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, os.path.join(directory, f"checkpoint-{step + 1}.pt"))
seconds = time.perf_counter() - started
print(json.dumps({
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "seconds": round(seconds, 1),
    "params": sum(p.numel() for p in model.parameters()),
    "torch": torch.__version__,
}))
