"""Fixed: the process that created the block unlinks it, in a finally block.

Every process calls close(); exactly one (the creator) calls unlink().
Compare with ../leaked_shared_memory.py.
"""
import multiprocessing as mp
from multiprocessing import shared_memory


def fill(name, size):
    shm = shared_memory.SharedMemory(name=name)
    try:
        shm.buf[:size] = bytes(range(size))
    finally:
        shm.close()


if __name__ == "__main__":
    shm = shared_memory.SharedMemory(create=True, size=16)
    try:
        p = mp.Process(target=fill, args=(shm.name, 16))
        p.start()
        p.join()
        print("sum of bytes:", sum(shm.buf[:16]))
    finally:
        shm.close()
        shm.unlink()  # FIX: destroy the block, even if something failed
