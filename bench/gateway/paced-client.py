"""RATE requests/s to /limited/x on 4 kept-alive connections (a thread each, 100 keys each) for SECONDS;
prints the count of answers by status. Usage: paced-client.py RATE SECONDS PORT (bench/gateway/startup.sh)."""
import socket
import sys
import threading
import time

RATE, SECONDS, PORT = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
CONNECTIONS = 4
counts = {}
lock = threading.Lock()


def client(index):
    sock = socket.create_connection(("127.0.0.1", PORT))
    answers = sock.makefile("rb")
    start = time.time()
    sent = 0
    while time.time() - start < SECONDS:
        # paced, not closed-loop: request n is due at start + n / (RATE per connection)
        time.sleep(max(0.0, start + sent * CONNECTIONS / RATE - time.time()))
        sock.sendall(b"GET /limited/x HTTP/1.1\r\nHost: x\r\nX-API-Key: k%d-%d\r\n\r\n" % (index, sent % 100))
        status = answers.readline().split()[1].decode()
        length = 0
        for header in iter(answers.readline, b"\r\n"):
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
        answers.read(length)
        with lock:
            counts[status] = counts.get(status, 0) + 1
        sent += 1


threads = [threading.Thread(target=client, args=(i,)) for i in range(CONNECTIONS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("answers by status:", counts)
