"""PyTorch's optimizers, schedules and gradient clipping on gradients fed in: the oracle of
test/keepers/training/optimizer.test.ts (run only when python3-torch is installed).

Reads one JSON object on stdin: params (list of floats), statistic (their count at the end that
are not optimized), gradients (one list per step), optimizer (the engine's parsed config: type,
learningRate, learningRateDecay, weightDecay, momentum | beta1 beta2 epsilon, schedule?, clipNorm?),
stepsPerEpoch. Prints the parameters after every step as one JSON list.
"""
import json
import math
import sys

import torch


def schedule_factor(config, step, epoch):
    schedule = config.get("schedule")
    if schedule is None:
        return config["learningRateDecay"] ** epoch
    if schedule["type"] == "step":
        return schedule["gamma"] ** (epoch // schedule["everyEpochs"])
    # transformers.get_cosine_with_min_lr_schedule_with_warmup (num_cycles 0.5), progress capped at 1.
    warmup, total = schedule["warmupSteps"], schedule["totalSteps"]
    if step < warmup:
        return step / warmup
    progress = min(1.0, (step - warmup) / (total - warmup))
    floor = schedule["minLearningRate"] / config["learningRate"]
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def main():
    job = json.load(sys.stdin)
    torch.set_default_dtype(torch.float32)
    config = job["optimizer"]
    count = len(job["params"]) - job["statistic"]
    weights = torch.nn.Parameter(torch.tensor(job["params"][:count], dtype=torch.float32))
    lr = config["learningRate"]
    if config["type"] == "sgd":
        optimizer = torch.optim.SGD([weights], lr=lr, momentum=config["momentum"], weight_decay=config["weightDecay"])
    else:
        kind = torch.optim.AdamW if config["type"] == "adamw" else torch.optim.Adam
        optimizer = kind([weights], lr=lr, betas=(config["beta1"], config["beta2"]), eps=config["epsilon"], weight_decay=config["weightDecay"])
    after = []
    for step, gradient in enumerate(job["gradients"]):
        for group in optimizer.param_groups:
            group["lr"] = lr * schedule_factor(config, step, step // job["stepsPerEpoch"])
        weights.grad = torch.tensor(gradient[:count], dtype=torch.float32)
        if config.get("clipNorm") is not None:
            torch.nn.utils.clip_grad_norm_([weights], config["clipNorm"])
        optimizer.step()
        after.append(weights.detach().tolist())
    print(json.dumps(after))


main()
