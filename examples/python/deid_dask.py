#!/usr/bin/python3
"""De-identify an archive on a Dask cluster.

usage: deid_dask.py INPUT_DIR OUTPUT_DIR KEY_FILE [SCHEDULER_ADDRESS]

Without a scheduler address a LocalCluster of two worker processes is started. On a real
cluster, start a scheduler and workers that can read INPUT_DIR, KEY_FILE and write OUTPUT_DIR at
the same paths (a shared file system), then pass the scheduler's address, e.g. tcp://head:8786.
"""
import json
import sys

from dask.distributed import Client, LocalCluster

from veil.dask import deidentify_archive


def main(src: str, out: str, key_file: str, address: str = "") -> int:
    if address:
        client = Client(address)
    else:
        client = Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None))
    with client:
        report = deidentify_archive([src], out, key_file=key_file, profile="research", client=client)
    print(json.dumps(report, indent=2, sort_keys=True))
    return 1 if report.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
