# POP3 timings with Python's poplib over implicit TLS, best of three sessions:
# login (USER/PASS), STAT, LIST, UIDL, RETR of 100 messages, QUIT (nothing deleted).
# Usage: pop3-bench.py HOST PORT USER PASS
import poplib, ssl, sys, time
host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
res = {}
def timed(name, fn):
    t = time.perf_counter(); out = fn(); res.setdefault(name, []).append(time.perf_counter() - t); return out
for rnd in range(3):
    client = poplib.POP3_SSL(host, port, context=ctx)
    timed('login', lambda: (client.user(user), client.pass_(pw)))
    count = timed('stat', client.stat)[0]
    if count == 0: sys.exit('maildrop is empty: load it first')
    timed('list', client.list)
    timed('uidl', client.uidl)
    timed('retr_100', lambda: [client.retr(i) for i in range(1, min(count, 100) + 1)])
    timed('quit', client.quit)
print(f"messages={count} " + " ".join(f"{k}={min(v) * 1000:.1f}ms" for k, v in res.items()))
