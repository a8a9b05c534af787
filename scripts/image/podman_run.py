"""How the chat-proxy image is run here, the way k8s/deployment.yaml runs it: one home for those options, used by the
image proof and by the multi-replica proof. Podman with runc and this directory's containers.conf (see podman-env)."""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
GRACE_SECONDS = 40  # terminationGracePeriodSeconds in k8s/deployment.yaml


def podman(*args, check=True):
    env = dict(os.environ, CONTAINERS_CONF=os.environ.get("CONTAINERS_CONF", os.path.join(HERE, "containers.conf")))
    return subprocess.run(PODMAN + list(args), env=env, check=check, capture_output=True, text=True)


def k8s_options(env_file):
    """The deployment's pod and container security context, volumes and environment as podman options."""
    return ["--network", "host",                                   # the tests' PostgreSQL, Redis and n8n on loopback
            "--user", "10001:10001", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
            "--read-only", "--read-only-tmpfs=false",              # only the deployment's volumes are writable
            "--tmpfs", "/tmp:rw,size=128m,mode=1777", "--tmpfs", "/app/data:rw,size=256m,mode=1777",
            "-v", os.path.join(ROOT, "app.yaml") + ":/app/app.yaml:ro",
            "--stop-timeout", str(GRACE_SECONDS), "--env-file", env_file]


def write_env_file(path, env):
    with open(path, "w") as f:
        for key, value in env.items():
            f.write("%s=%s\n" % (key, value))
    return path


def run(image, name, env, work):
    """Starts a detached container; returns its name."""
    env_file = write_env_file(os.path.join(work, name + ".env"), env)
    podman("rm", "-f", name, check=False)
    podman("run", "-d", "--name", name, *k8s_options(env_file), image)
    return name


def stop(name, sig="TERM"):
    """SIGTERM waits for the container to exit on its own (up to the grace period); SIGKILL does not wait."""
    if sig == "KILL":
        podman("kill", "-s", "KILL", name, check=False)
    else:
        podman("stop", "-t", str(GRACE_SECONDS), name, check=False)
    podman("wait", name, check=False)


def logs(name):
    r = podman("logs", name, check=False)
    return r.stdout + r.stderr


def remove(name):
    podman("rm", "-f", name, check=False)
