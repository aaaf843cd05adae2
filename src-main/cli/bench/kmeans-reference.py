#!/usr/bin/python3
"""Peer timing for the clustering bench: scikit-learn's KMeans on the matrix the workstation clusters.

Reads a job file (JSON: path of little-endian float32 rows, n, d, k, n_init, threads), fits
KMeans(n_clusters=k, n_init=n_init, algorithm="lloyd", random_state=0) with at most `threads` threads, and prints
{"seconds", "inertia", "iterations", "sklearn"} as JSON. Run by src-main/cli/bench/clustering-bench.ts.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

job = json.load(open(sys.argv[1]))
x = np.fromfile(job["path"], dtype="<f4").reshape(job["n"], job["d"]).astype(np.float64)
with threadpool_limits(limits=job["threads"]):
    start = time.perf_counter()
    model = KMeans(n_clusters=job["k"], n_init=job["n_init"], algorithm="lloyd", random_state=0).fit(x)
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "inertia": float(model.inertia_), "iterations": int(model.n_iter_), "sklearn": sklearn.__version__}))
