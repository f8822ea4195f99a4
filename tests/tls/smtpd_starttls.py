"""aiosmtpd with STARTTLS required, for the //tls SMTP test.

usage: smtpd_starttls.py HOST PORT CERT KEY MAILDIR
Delivers every message into MAILDIR (a Maildir) and prints "ready" once it listens. Runs until
SIGTERM.
"""
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


def main():
    host, port, cert, key, maildir = sys.argv[1:6]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(Mailbox(maildir), hostname=host, port=int(port),
                            tls_context=context, require_starttls=True)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    controller.start()
    print("ready", flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    controller.stop()


if __name__ == "__main__":
    main()
