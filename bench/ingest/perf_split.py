#!/usr/bin/env python3
"""Samples of a perf_window.sh recording for one thread name, by where they fell (docs/benchmarks.md, issue-singlepath).

    perf script -i OUT.data -F comm,tid,ip,sym,dso > OUT.script
    perf_split.py OUT.script vert.x-eventloo            # the HTTP event loops (the kernel keeps 15 characters of a name)
    perf_split.py OUT.script kafka-producer- TID        # one thread: the ingest producer's id from OUT.stat or jcmd

Prints the share of samples by category (the kernel; a Java frame's package: Mutiny, context propagation, Micrometer,
the PostgreSQL and Kafka clients, Netty, Vert.x, the JDK, ...), then the kernel's and Java's top symbols. A flat
profile: a JDK frame counts as the JDK's, whoever called it.
"""
import sys,re,collections
fn=sys.argv[1]; comm=sys.argv[2]; tids=set(sys.argv[3].split(',')) if len(sys.argv)>3 and sys.argv[3] else None
tot=0; by=collections.Counter(); k=collections.Counter(); sym=collections.Counter()
cats=[('context-propagation',r'io\.smallrye\.context|com\.arjuna|narayana|io\.quarkus\.arc'),
('mutiny',r'io\.smallrye\.mutiny'),
('micrometer',r'micrometer'),
('dash ingest',r'dev\.dash\.ingestor'),('dash model',r'dev\.dash\.model'),('dash platform',r'dev\.dash\.platform'),
('pg client',r'io\.vertx\.pgclient|io\.vertx\.sqlclient'),('kafka client',r'org\.apache\.kafka'),
('vertx web',r'io\.vertx\.ext\.web'),('vertx http',r'io\.vertx\.core\.http'),('vertx other',r'io\.vertx'),('quarkus http',r'io\.quarkus\.vertx\.http'),('quarkus other',r'io\.quarkus'),
('netty',r'io\.netty'),('jackson',r'jackson'),('jdk nio',r'sun\.nio|java\.nio|libnio'),('jdk',r'java\.|jdk\.|sun\.|javax\.'),
]
for line in open(fn):
    m=re.match(r'\s*(.{15})\s+(\d+)\s+\S+\s+(.*) \((.*)\)\s*$',line)
    if not m: continue
    c,tid,s,dso=m.groups()
    if not c.startswith(comm): continue
    if tids and tid not in tids: continue
    tot+=1
    if 'kernel' in dso:
        by['kernel']+=1; k[s]+=1; continue
    if 'libjvm' in dso: by['libjvm']+=1; sym['jvm '+s]+=1; continue
    if 'perf-' not in dso: by['lib:'+dso.split('/')[-1]]+=1; continue
    if s=='[unknown]': by['jit unknown']+=1; continue
    cat='java other'
    for name,pat in cats:
        if re.search(pat,s): cat=name; break
    by[cat]+=1; sym[s[:140]]+=1
print('samples',tot)
for n,v in by.most_common(): print(f'{100*v/tot:6.1f} %  {n}')
print('-- kernel top'); 
for n,v in k.most_common(25): print(f'{100*v/tot:6.1f} %  {n}')
print('-- java top')
for n,v in sym.most_common(30): print(f'{100*v/tot:6.1f} %  {n}')
