#!/usr/bin/env python3
"""Opens N concurrent flows through an endpoint (each: connect, PING, wait), holds them all,
closes them, and prints plemu's RSS at the peak and after, for R rounds. Bounded: N flows,
R rounds, loopback only. Used for the memory figures in docs/soak.md.

Usage: scripts/concurrent_flows.py HOST PORT N ROUNDS PLEMU_PID
"""
import asyncio, sys, os
host, port, n, rounds, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1])
async def one(hold):
    r, w = await asyncio.open_connection(host, port)
    w.write(b"*1\r\n$4\r\nPING\r\n"); await w.drain()
    line = await r.readline()
    assert line == b"+PONG\r\n", line
    await hold.wait()
    w.close()
    try: await w.wait_closed()
    except Exception: pass
async def main():
    print("rss start", rss(), flush=True)
    for i in range(rounds):
        hold = asyncio.Event()
        tasks = []
        for k in range(n):
            tasks.append(asyncio.create_task(one(hold)))
            if k % 500 == 499: await asyncio.sleep(0.05)
        await asyncio.sleep(3)
        peak = rss()
        hold.set()
        res = await asyncio.gather(*tasks, return_exceptions=True)
        errs = [r for r in res if isinstance(r, Exception)]
        await asyncio.sleep(3)
        print(f"round {i}: {n} flows, {len(errs)} errors {errs[:2]}, rss peak {peak} after {rss()}", flush=True)
asyncio.run(main())
