# Shared by ./run and scripts/node (sourced; needs $root and $state): the processes of a running ./run are recorded in
# $state/pids/<app>.pid and their settings in $state/run.env, so a node can be restarted from another shell and a
# ./run killed with SIGKILL can be cleaned up by the next one.

# The recorded process, only if it is still one of this checkout's apps (a pid may have been reused since).
app_pid() {
    local file="$state/pids/$1.pid" pid
    [ -f "$file" ] || return 1
    pid="$(cat "$file")"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$root/functions/" || return 1
    echo "$pid"
}

app_alive() { app_pid "$1" >/dev/null; }

# Is the ./run that owns $state still running?
run_alive() {
    local pid
    [ -f "$state/run.pid" ] || return 1
    pid="$(cat "$state/run.pid")"
    [ "$pid" != "$$" ] && [ -d "/proc/$pid" ] && [ "$(readlink "/proc/$pid/cwd")" = "$root" ] \
        && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'run'
}

# SIGTERM, up to 5 s of grace, then SIGKILL.
stop_app() {
    local pid
    pid="$(app_pid "$1")" || { rm -f "$state/pids/$1.pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$state/pids/$1.pid"
}

stop_apps() {
    local file
    for file in "$state"/pids/*.pid; do
        [ -e "$file" ] || continue
        stop_app "$(basename "$file" .pid)" &
    done
    wait
}

# What a ./run killed with SIGKILL left behind: its apps, and its own RabbitMQ and Azurite.
cleanup_stale_apps() {
    local left=0 file
    for file in "$state"/pids/*.pid; do
        [ -e "$file" ] || continue
        app_alive "$(basename "$file" .pid)" && left=$((left + 1))
    done
    if [ "$left" -gt 0 ]; then echo "run: stopping $left app(s) left by a previous ./run" >&2; fi
    stop_apps
    if [ -f "$state/run.pid" ] && [ -f "$state/infra/infra.env" ]; then
        scripts/infra stop "$state/infra" >/dev/null 2>&1 || true
    fi
    rm -f "$state/run.pid" "$state/run.env"
}

# The settings every app of this run gets, for scripts/node to start a node with later.
write_run_env() {
    local name
    {
        printf 'RUN_NODES=%q\nRUN_NODE_PORT=%q\nRUN_API_PORT=%q\nRUN_CONFIGURATION=%q\n' "$1" "$2" "$3" "$4"
        for name in $(compgen -e | grep -E '^(RabbitMQConnection|AzureWebJobsStorage|EtcdEndpoints|ObjectStore__.*|FunctionsHostKeys__.*|DataNode.*|RequireFunctionKey|AzureFunctionsJobHost__.*)$'); do
            printf 'export %s=%q\n' "$name" "${!name}"
        done
    } >"$state/run.env"
}

# start_app <name> <App> [VAR=value...]: in its own session, so that it outlives the shell that started it.
start_app() {
    local name="$1" app="$2"
    shift 2
    mkdir -p "$state/logs" "$state/pids"
    (cd "$root" && exec env "$@" setsid dotnet "$root/functions/$app/bin/$RUN_CONFIGURATION/net10.0/ObjectStore.$app.dll") \
        >>"$state/logs/$name.log" 2>&1 </dev/null &
    echo $! >"$state/pids/$name.pid"
}

start_node() {
    local i="$1"
    mkdir -p "$state/data/node$i"
    start_app "node$i" DataNode LISTEN_ADDRESS="127.0.0.1:$((RUN_NODE_PORT + i - 1))" STORAGE_ROOT="$state/data/node$i"
}

start_api() { start_app api Api LISTEN_ADDRESS="127.0.0.1:$RUN_API_PORT"; }
