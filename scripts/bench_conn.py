#!/usr/bin/env python3
"""Connection costs for scripts/bench.sh, on one path (HOST PORT, a Redis server behind it).

  bench_conn.py churn HOST PORT N        p50 and p99 (µs) of connect + PING + close, one client, N times
  bench_conn.py idle HOST PORT N PID...  opens N connections (each answers a PING, then idles), prints
                                         the summed RSS (KiB) of PIDs before, with all N open, and 15 s
                                         after they closed

Bounded: N connections, loopback only.
"""
import socket, statistics, sys, time

PING = b"*1\r\n$4\r\nPING\r\n"

def ping(s):
    s.sendall(PING)
    got = b""
    while not got.endswith(b"\r\n"):
        chunk = s.recv(64)
        if not chunk:
            raise RuntimeError("closed before PONG")
        got += chunk
    assert got == b"+PONG\r\n", got

def rss(pids):
    total = 0
    for pid in pids:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS"):
                total += int(line.split()[1])
    return total

def churn(host, port, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        s = socket.create_connection((host, port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ping(s)
        s.close()
        times.append((time.perf_counter() - t) * 1e6)
    times.sort()
    print(f"p50 {statistics.median(times):.0f} p99 {times[int(len(times) * 0.99)]:.0f}")

def idle(host, port, n, pids):
    before = rss(pids)
    conns = []
    for _ in range(n):
        s = socket.create_connection((host, port))
        ping(s)
        conns.append(s)
    time.sleep(2)
    held = rss(pids)
    for s in conns:
        s.close()
    time.sleep(15)
    print(f"before {before} held {held} after {rss(pids)}")

if __name__ == "__main__":
    mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if mode == "churn":
        churn(host, port, n)
    else:
        idle(host, port, n, sys.argv[5:])
