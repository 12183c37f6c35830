#!/usr/bin/env python3
"""Two coffer builds side by side in one run: Encrypt (64 B) throughput, CPU per request and p99, rounds alternating.

    python3 bench/compare_binaries.py OLD_BINARY NEW_BINARY [CONNECTIONS]

Each binary serves its own SQLite data dir; wrk replays one pre-signed Encrypt per server (6 s measured after 2 s of
warm-up, 3 rounds, the order alternating); CPU per request is the server's utime+stime over the measured run divided by
the requests answered. Used for the lean-request-path before/after in bench/README.md."""
import sys, subprocess, time, os, json, re
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench, boto3
from pathlib import Path
bins = {'before': sys.argv[1], 'after': sys.argv[2]}
procs = {}; ports = {'before': 4641, 'after': 4642}
for name, b in bins.items():
    d = f'/tmp/ab-{name}'; subprocess.run(['rm','-rf',d]); os.makedirs(d)
    cfg = {"port": ports[name], "dataDir": d+'/data', "logLevel": "warning", "wrappingKeyPool": {"RSA_2048":0,"RSA_3072":0,"RSA_4096":0}}
    open(d+'/c.json','w').write(json.dumps(cfg))
    procs[name] = subprocess.Popen([b, 'serve', '--config', d+'/c.json'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(2)
scripts = {}
for name, port in ports.items():
    k = boto3.client('kms', endpoint_url=f'http://127.0.0.1:{port}', region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
    key = k.create_key()['KeyMetadata']['KeyId']
    h, b = bench.presign(port, 'Encrypt', {"KeyId": key, "Plaintext": "A"*88})
    p = Path(f'/tmp/ab-{name}/enc.lua'); bench.write_lua(p, h, b); scripts[name] = p
def cpu(pid):
    f = open(f'/proc/{pid}/stat').read().split(')')[-1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')
conns = int(sys.argv[3]) if len(sys.argv) > 3 else 64
res = {n: [] for n in bins}
for rnd in range(3):
    for name in (['before','after'] if rnd % 2 == 0 else ['after','before']):
        subprocess.run(['wrk','-t1',f'-c{conns}','-d2s','-s',str(scripts[name]),f'http://127.0.0.1:{ports[name]}/'], capture_output=True)
        c0 = cpu(procs[name].pid)
        out = subprocess.run(['wrk','-t1',f'-c{conns}','-d6s','--latency','-s',str(scripts[name]),f'http://127.0.0.1:{ports[name]}/'], capture_output=True, text=True).stdout
        c1 = cpu(procs[name].pid)
        rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
        total = int(re.search(r'(\d+) requests in', out).group(1))
        non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
        p99 = re.search(r'99%\s+([\d.]+\w+)', out)
        res[name].append((rps, (c1-c0)/total*1e6, p99.group(1) if p99 else '?', non2xx.group(1) if non2xx else '0'))
        print(name, f'c={conns}', f'{rps:.0f} req/s', f'{(c1-c0)/total*1e6:.1f} us/req', 'p99', res[name][-1][2], 'non2xx', res[name][-1][3], flush=True)
for p in procs.values(): p.terminate()
for n in bins:
    print(n, 'mean rps', sum(r[0] for r in res[n])/len(res[n]), 'mean cpu us/req', sum(r[1] for r in res[n])/len(res[n]))
