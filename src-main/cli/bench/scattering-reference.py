"""The scattering transform of src-main/core/embedding/scattering in PyTorch, for scattering-bench.ts.

Reads a job description (JSON, path in argv[1]) written by the bench: the configuration, the Morlet filters as
float32 (per scale j, L filters, real then imaginary part, each row-major over its square support, centred and
NOT flipped), and random patches [count, C, n, n] float32. Computes the same features with torch.nn.functional.conv2d
(the filter bank folded over channels into the batch instead of grouped convolutions), times it at each batch size
and writes the features of the first `outputCount` patches. Prints one JSON object on stdout.

Run with Debian's /usr/bin/python3 (python3-torch); two threads as on the target machine.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(job):
    config = job["config"]
    C, n, J, L = config["channels"], config["patchSize"], config["J"], config["L"]
    raw = np.fromfile(job["filtersPath"], dtype="<f4")
    kernels, radii, at = [], [], 0
    for size in job["filterSizes"]:
        count = L * 2 * size * size
        bank = raw[at:at + count].reshape(L, 2, size, size)
        at += count
        # conv2d correlates: rotate the filters by 180 degrees to convolve.
        flipped = np.ascontiguousarray(bank[:, :, ::-1, ::-1]).reshape(2 * L, 1, size, size)
        kernels.append(torch.from_numpy(flipped))
        radii.append(size // 2)
    if at != raw.size:
        raise ValueError("filter file does not match the filter sizes")
    patches = np.fromfile(job["patchesPath"], dtype="<f4").reshape(-1, C, n, n)
    return C, n, J, L, kernels, radii, torch.from_numpy(patches)


def make_transform(C, n, J, L, kernels, radii, eps):
    def modulus_conv(x, j):
        # x: [B, 1, h, h] -> |x * psi_{j, l}| for every l: [B, L, h / 2^j, h / 2^j]
        y = F.conv2d(x, kernels[j], stride=2 ** j, padding=radii[j])
        b, _, h, w = y.shape
        y = y.view(b, L, 2, h, w)
        return torch.sqrt((y * y).sum(dim=2) + eps)

    def transform(x):
        N = x.shape[0]
        s0 = x.mean(dim=(2, 3)).view(N, C, 1)
        flat = x.reshape(N * C, 1, n, n)
        first, s1 = [], []
        for j in range(J):
            u1 = modulus_conv(flat, j)  # [N*C, L, h, h]
            first.append(u1)
            s1.append(u1.mean(dim=(2, 3)).view(N, C, L))
        s2 = []
        for j1 in range(J):
            for j2 in range(j1 + 1, J):
                u1 = first[j1]
                h = u1.shape[-1]
                u2 = modulus_conv(u1.reshape(N * C * L, 1, h, h), j2 - j1)  # [N*C*L, L, h', h']
                s2.append(u2.mean(dim=(2, 3)).view(N, C, L * L))
        higher = torch.log1p(torch.cat(s1 + s2, dim=2))
        return torch.cat([s0, higher], dim=2).reshape(N, -1)

    return transform


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    torch.set_num_threads(job.get("threads", 2))
    C, n, J, L, kernels, radii, patches = load(job)
    transform = make_transform(C, n, J, L, kernels, radii, job["eps"])
    rows = []
    with torch.no_grad():
        for batch in job["batchSizes"]:
            transform(patches[:batch])  # warm-up
            done, start = 0, time.perf_counter()
            while done < job["patchesPerSize"]:
                transform(patches[:batch])
                done += batch
            rows.append({"batch": batch, "patches": done, "seconds": time.perf_counter() - start})
        outputs = transform(patches[: job["outputCount"]]).numpy().astype("<f4")
    outputs.tofile(job["outputsPath"])
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows, "dimension": outputs.shape[1]}))


if __name__ == "__main__":
    main()
