"""Leaked shared memory: a block is created and never unlinked.

close() only detaches this process from the block; unlink() destroys it.
Without unlink() the block stays in /dev/shm after the program ends (Python's
resource tracker prints a "leaked shared_memory objects" warning at exit and
cleans up after us, but only if it is still running). mpscope reports a
`leaked-shm` finding at the line that created the block.

Fixed version: fixed/leaked_shared_memory.py
"""
import multiprocessing as mp
from multiprocessing import shared_memory


def fill(name, size):
    shm = shared_memory.SharedMemory(name=name)
    shm.buf[:size] = bytes(range(size))
    shm.close()


if __name__ == "__main__":
    shm = shared_memory.SharedMemory(create=True, size=16)  # created here...
    p = mp.Process(target=fill, args=(shm.name, 16))
    p.start()
    p.join()
    print("sum of bytes:", sum(shm.buf[:16]))
    shm.close()  # BUG: ...closed, but never unlinked
