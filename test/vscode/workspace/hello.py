"""A plain Python file with no processes, so the workspace is not only multiprocessing code."""


def greet(name):
    return f"hello, {name}"


if __name__ == "__main__":
    print(greet("mpscope"))
