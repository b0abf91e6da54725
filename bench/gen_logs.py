#!/usr/bin/env python3
"""Writes the benchmark logs: N lines each of an sshd auth.log, the seed's
syslog-forwarded hMailServer log (tabs as #011) and an nginx access log.
About a quarter of the lines are failures from a few thousand addresses;
the rest are the ordinary traffic around them.  Deterministic (fixed seed).

    gen_logs.py DIR [N [LOG...]]

LOG: sshd, hmail, nginx-access (default: all three); the others are still
generated (the same random sequence, so the same lines) but not written.
"""
import os
import random
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
rnd = random.Random(2026)
want = sys.argv[3:] or ['sshd', 'hmail', 'nginx-access']
os.makedirs(out, exist_ok=True)


def log(name):
    return open(os.path.join(out, name + '.log') if name in want else os.devnull, 'w')


MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov']


def ip():
    return '%d.%d.%d.%d' % (rnd.choice((192, 198, 203, 10)), rnd.randint(0, 255),
                            rnd.randint(0, 255), rnd.randint(1, 254))


def stamp(i):
    # spread over the months before "now", in order
    d = i * 300 // n
    return '%s %2d %02d:%02d:%02d' % (MON[d // 28 % 11], d % 28 + 1, i // 3600 % 24,
                                      i // 60 % 60, i % 60)


ips = [ip() for _ in range(3000)]
users = ['root', 'admin', 'test', 'oracle', 'ubuntu', 'guest', 'user1', 'pi']

with log('sshd') as f:
    for i in range(n):
        a, pid, r = rnd.choice(ips), rnd.randint(1000, 99999), rnd.random()
        t = stamp(i)
        if r < 0.12:
            f.write('%s bench sshd[%d]: Failed password for %s from %s port %d ssh2\n'
                    % (t, pid, rnd.choice(users), a, rnd.randint(1024, 65535)))
        elif r < 0.22:
            f.write('%s bench sshd[%d]: Invalid user %s from %s port %d\n'
                    % (t, pid, rnd.choice(users), a, rnd.randint(1024, 65535)))
        elif r < 0.25:
            f.write('%s bench sshd[%d]: Connection closed by %s port %d [preauth]\n'
                    % (t, pid, a, rnd.randint(1024, 65535)))
        elif r < 0.55:
            f.write('%s bench sshd[%d]: Accepted publickey for deploy from 10.1.2.3 port %d ssh2: RSA SHA256:abcdefghijklmnop\n'
                    % (t, pid, rnd.randint(1024, 65535)))
        elif r < 0.8:
            f.write('%s bench sshd[%d]: pam_unix(sshd:session): session opened for user deploy by (uid=0)\n'
                    % (t, pid))
        else:
            f.write('%s bench CRON[%d]: pam_unix(cron:session): session closed for user root\n'
                    % (t, pid))

with log('hmail') as f:
    for i in range(n):
        a, tid, r = rnd.choice(ips), rnd.randint(1000, 9999), rnd.random()
        t = stamp(i)
        inner = '"2005-%02d-%02d %s.%03d"' % (i * 300 // n // 28 % 11 + 1, i * 300 // n % 28 + 1,
                                              t[-8:], i % 1000)
        pre = '%s mail "SMTPD"#011%d#011%d#011%s#011"%s"#011' % (t, tid, 9000 + i % 999, inner, a)
        if r < 0.05:
            f.write(pre + '"RECEIVED: EHLO mail%d.example.us"\n' % (i % 97))
        elif r < 0.1:
            f.write(pre + '"SENT: 503 Bad sequence of commands"\n')
        elif r < 0.13:
            f.write(pre + '"RECEIVED: MAIL FROM:<goof@gmail.com> SIZE=%d"\n' % (i % 9999))
        elif r < 0.25:
            f.write(pre + '"SENT: 504 Authentication not enabled."\n')
        elif r < 0.6:
            f.write(pre + '"RECEIVED: RCPT TO:<someone%d@snork.ca>"\n' % (i % 500))
        elif r < 0.8:
            f.write('%s mail "TCPIP"#011%d#011%s#011"TCP - %s connected to 192.168.1.101:25."\n'
                    % (t, tid, inner, a))
        else:
            f.write(pre + '"SENT: 250 OK"\n')

with log('nginx-access') as f:
    paths = ['/', '/index.html', '/img/logo.png', '/css/site.css', '/api/v1/items?page=%d']
    bots = ['/wp-login.php', '/phpmyadmin/index.php', '/.env', '/admin/config.php',
            '/cgi-bin/test.cgi', '/xmlrpc.php']
    for i in range(n):
        a, r = rnd.choice(ips), rnd.random()
        d = i * 300 // n
        t = '%02d/%s/2026:%02d:%02d:%02d +0000' % (d % 28 + 1, MON[d // 28 % 11], i // 3600 % 24,
                                                   i // 60 % 60, i % 60)
        if r < 0.25:
            f.write('%s - - [%s] "GET %s HTTP/1.1" 404 153 "-" "Mozilla/5.0 (compatible; scanner)"\n'
                    % (a, t, rnd.choice(bots)))
        else:
            p = rnd.choice(paths)
            if '%d' in p:
                p = p % (i % 50)
            f.write('%s - - [%s] "GET %s HTTP/1.1" 200 %d "https://example.org/" "Mozilla/5.0 (X11; Linux x86_64)"\n'
                    % (a, t, p, rnd.randint(200, 90000)))
