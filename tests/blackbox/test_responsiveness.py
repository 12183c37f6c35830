"""Slow cryptography must not stall other requests.

RSA key generation takes from a fraction of a second to seconds; the server runs it (and RSA private-key operations)
off the threads that serve connections. Asserted by order, not by time: cheap requests sent while several RSA-4096 key
generations are in flight complete before those generations do.
"""

from __future__ import annotations

import threading
import time
import uuid

GENERATIONS = 6
CHEAP_CALLS = 5


def test_cheap_requests_complete_while_rsa_keys_are_generated(server_factory):
    srv = server_factory(name="responsive").start()
    setup = srv.client()
    key_id = setup.create_key()["KeyMetadata"]["KeyId"]
    pair_key = setup.create_key()["KeyMetadata"]["KeyId"]

    finished = threading.Event()
    done: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def generate(n: int) -> None:
        client = srv.client(read_timeout=300)
        try:
            if n % 2:
                client.create_key(KeySpec="RSA_4096", KeyUsage="SIGN_VERIFY", Description=f"slow-{uuid.uuid4()}")
            else:
                client.generate_data_key_pair_without_plaintext(KeyId=pair_key, KeyPairSpec="RSA_4096")
        except BaseException as e:  # noqa: BLE001 - asserted below
            with lock:
                errors.append(e)
        finally:
            with lock:
                done.append(f"gen-{n}")
                if len(done) == GENERATIONS:
                    finished.set()

    threads = [threading.Thread(target=generate, args=(n,)) for n in range(GENERATIONS)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # the generation requests are now on the server (each takes far longer than this)

    cheap = srv.client()
    completed_while_busy = 0
    for _ in range(CHEAP_CALLS):
        blob = cheap.encrypt(KeyId=key_id, Plaintext=b"x" * 64)["CiphertextBlob"]
        assert cheap.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x" * 64
        if not finished.is_set():
            completed_while_busy += 1

    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert len(done) == GENERATIONS
    # With generation on the serving threads, the first cheap call would wait for a generation on its loop.
    assert completed_while_busy == CHEAP_CALLS, (
        f"only {completed_while_busy} of {CHEAP_CALLS} Encrypt/Decrypt pairs finished while {GENERATIONS} RSA-4096 "
        "generations were in flight"
    )
