import resource

# Spin until the CPU-time limit stops the process. The grader's limit is 120 s; to keep
# the engine's own tests fast this lowers the soft limit to about a second from now
# (a process may always lower its own limits).


async def double(x):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (int(usage.ru_utime + usage.ru_stime) + 1, hard))
    while True:
        try:
            while True:
                pass
        except BaseException:  # not even the grader's interrupt stops it
            pass
