"""PyTorch CPU peer figure for bench/all.mjs: the same MLP and CNN as
bench/throughput.mjs (random data, Adam, cross-entropy, same batch sizes),
median samples/s of the epochs after the first. Prints one JSON object.

    python3 bench/torchBench.py [--threads 1] [--epochs 3]

Debian: apt-get install python3-torch (PyTorch 1.13, CPU)."""
import argparse
import json
import statistics
import time

import torch
from torch import nn

MODELS = {
    "mlp": dict(batch=128, count=4096, shape=(784,)),
    "cnn": dict(batch=64, count=1024, shape=(1, 28, 28)),
}


def build(name):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def rate(name, epochs):
    spec = MODELS[name]
    torch.manual_seed(1)
    model = build(name)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand((spec["count"], *spec["shape"]))
    y = torch.randint(0, 10, (spec["count"],))
    rates = []
    for _ in range(epochs):
        start = time.perf_counter()
        for i in range(0, spec["count"], spec["batch"]):
            optimizer.zero_grad()
            loss = loss_fn(model(x[i:i + spec["batch"]]), y[i:i + spec["batch"]])
            loss.backward()
            optimizer.step()
            loss.item()  # the loss is read every batch, as the trainer's records do
        rates.append(spec["count"] / (time.perf_counter() - start))
    return statistics.median(rates[1:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--models", default="mlp,cnn")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = {"torch": torch.__version__, "threads": args.threads}
    for name in args.models.split(","):
        result[name] = rate(name, args.epochs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
