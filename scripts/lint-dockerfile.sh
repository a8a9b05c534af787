#!/usr/bin/env bash
# Lints a Dockerfile for the hadolint rules that matter for this project, without hadolint itself: hadolint is
# neither a Debian package nor a real npm package (the npm "hadolint" wrappers download a binary at install time,
# which cannot work here). Each finding names the hadolint rule it mirrors (DLxxxx) or a project rule (CPxxx).
#
#   scripts/lint-dockerfile.sh [Dockerfile]      # exit 0: clean; 1: findings; 2: usage error
#
# Rules: DL3000 absolute WORKDIR, DL3002 last USER not root, DL3003 cd in RUN, DL3004 sudo, DL3006 tagged images,
# DL3007 no :latest, DL3008/DL3009/DL3014/DL3015 apt-get hygiene (only where apt-get is used), DL3011 valid EXPOSE,
# DL3020 COPY not ADD, DL3022/DL3023/DL3024 stage names, DL3025 exec-form CMD/ENTRYPOINT, DL3045 relative COPY
# destination without WORKDIR, DL4000 MAINTAINER, DL4003/DL4004 one CMD/ENTRYPOINT per stage, DL4006 pipefail
# before pipes in RUN, CP001 the final stage sets a non-root USER, CP002 no secrets in ENV/ARG/LABEL, CP003 no
# .env/key files copied in.
# Not supported: BuildKit heredocs (RUN <<EOF) - reported as CP900 so that nothing is skipped silently.
#
# A second pass, when Node.js and npm are there, parses the file with the npm package dockerfile-utils (the parser
# of the Dockerfile language server, pure JavaScript): it catches syntax the checks above don't parse, such as
# unknown instruction flags, broken JSON arrays and invalid HEALTHCHECK options. It is installed on first use into
#   DOCKERFILE_LINT_CACHE   default ${XDG_CACHE_HOME:-$HOME/.cache}/chat-proxy/dockerfile-lint
# and skipped with DOCKERFILE_LINT_NO_PARSER=1.
set -euo pipefail
set -f   # no globbing: Dockerfile words such as /var/lib/apt/lists/* stay as written

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
file="${1:-$here/../Dockerfile}"
[ -f "$file" ] || { echo "lint-dockerfile: no such file: $file" >&2; exit 2; }
file="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
name="$(basename "$file")"

findings=0
report() { # line rule message
  printf '%s:%s %s error: %s\n' "$name" "$1" "$2" "$3"
  findings=$((findings + 1))
}

# One instruction per output line: "<first line number>\t<INSTRUCTION>\t<arguments>", with continuation lines
# joined and comment lines dropped, the way the Docker parser reads the file.
parse() {
  awk '
    function emit() {
      text = buf; sub(/^[ \t]+/, "", text)
      instr = text; sub(/[ \t].*$/, "", instr)
      rest = substr(text, length(instr) + 1); sub(/^[ \t]+/, "", rest); sub(/[ \t]+$/, "", rest)
      printf "%d\t%s\t%s\n", start, toupper(instr), rest
    }
    {
      line = $0; sub(/\r$/, "", line)
      if (!cont) {
        if (line ~ /^[ \t]*#/ || line ~ /^[ \t]*$/) next
        start = NR; buf = ""
      } else if (line ~ /^[ \t]*#/ || line ~ /^[ \t]*$/) {
        next
      }
      if (line ~ /\\[ \t]*$/) { sub(/\\[ \t]*$/, "", line); buf = buf line " "; cont = 1; next }
      buf = buf line; cont = 0; emit()
    }
    END { if (cont) emit() }
  ' "$1"
}

declare -A arg_default=()     # ARG defaults before the first FROM (usable in FROM)
declare -A stage_alias=()     # alias -> stage number
stage=0
stage_user=""                 # last USER of the current stage
stage_pipefail=0              # SHELL with -o pipefail seen in the current stage
stage_workdir=0
stage_cmd=0
stage_entrypoint=0
final_user=""
final_user_line=0
current_alias=""
last_from_line=0

substitute() { # expand $VAR, ${VAR} and ${VAR:-default} from the global ARG defaults
  local text="$1" out="" var default
  while [[ "$text" =~ ^([^\$]*)\$(\{([A-Za-z_][A-Za-z0-9_]*)(:?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))(.*)$ ]]; do
    out+="${BASH_REMATCH[1]}"
    var="${BASH_REMATCH[3]:-${BASH_REMATCH[6]}}"
    default="${BASH_REMATCH[5]}"
    if [ -n "${arg_default[$var]+x}" ] && [ -n "${arg_default[$var]}" ]; then out+="${arg_default[$var]}"; else out+="$default"; fi
    text="${BASH_REMATCH[7]}"
  done
  printf '%s' "$out$text"
}

is_json_array() { # exec form: ["a", "b"] with every element a JSON string
  local s="$1"
  local str='"([^"\\]|\\.)*"'
  [[ "$s" =~ ^\[[[:space:]]*${str}([[:space:]]*,[[:space:]]*${str})*[[:space:]]*\]$ ]]
}

end_stage() {
  final_user="$stage_user"
}

# names that hold secrets (JWT_SECRET_KEY, N8N_API_KEY, DB_PASSWORD, GITHUB_TOKEN...), and credentials in URLs
secret_name='(^|_)(SECRET|PASSWORD|PASSWD|PASS|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)(_KEYS?)?$'
url_credentials='://[^/:@[:space:]"]+:[^/@[:space:]"]+@'

while IFS=$'\t' read -r line instr args; do
  case "$instr" in
    FROM)
      [ "$stage" -gt 0 ] && end_stage
      stage=$((stage + 1)); stage_user=""; stage_pipefail=0; stage_workdir=0; stage_cmd=0; stage_entrypoint=0
      last_from_line="$line"
      read -r -a words <<<"$args"
      image=""; alias=""
      for ((i = 0; i < ${#words[@]}; i++)); do
        w="${words[$i]}"
        if [[ "$w" == --* ]]; then continue; fi
        if [ -z "$image" ]; then image="$w"; continue; fi
        if [[ "${w,,}" == as ]] && [ $((i + 1)) -lt ${#words[@]} ]; then alias="${words[$((i + 1))],,}"; break; fi
      done
      resolved="$(substitute "$image")"
      if [ -n "${stage_alias[${resolved,,}]+x}" ]; then
        : # FROM an earlier stage
      elif [ "$resolved" = scratch ]; then
        :
      elif [[ "$resolved" == *@sha256:* ]]; then
        :
      elif [ -z "$resolved" ]; then
        report "$line" DL3006 "FROM $image resolves to nothing: give the ARG a default"
      else
        last="${resolved##*/}"
        if [[ "$last" != *:* ]]; then
          report "$line" DL3006 "always tag the image explicitly: FROM $resolved"
        elif [[ "$last" == *:latest ]]; then
          report "$line" DL3007 "using :latest is prone to errors: pin a version ($resolved)"
        fi
      fi
      if [ -n "$alias" ]; then
        [ -n "${stage_alias[$alias]+x}" ] && report "$line" DL3024 "FROM aliases must be unique: $alias"
        stage_alias[$alias]="$stage"
        current_alias="$alias"
      else
        current_alias=""
      fi
      ;;
    ARG)
      arg_name="${args%%=*}"; arg_value=""
      [[ "$args" == *=* ]] && arg_value="${args#*=}"
      arg_value="${arg_value%\"}"; arg_value="${arg_value#\"}"
      [ "$stage" -eq 0 ] && arg_default[$arg_name]="$arg_value"
      if [[ "${arg_name^^}" =~ $secret_name ]] && [ -n "$arg_value" ]; then
        report "$line" CP002 "ARG $arg_name has a default value that looks like a secret; pass secrets at run time"
      elif [[ "$arg_value" =~ $url_credentials ]]; then
        report "$line" CP002 "ARG $arg_name has a URL with credentials in its default"
      fi
      ;;
    ENV)
      # ENV KEY=VALUE [KEY=VALUE...] or ENV KEY VALUE
      if [[ "$args" == *=* ]]; then
        read -r -a pairs <<<"$args"
        for p in "${pairs[@]}"; do
          k="${p%%=*}"; v="${p#*=}"
          [[ "$p" == *=* ]] || continue
          if [[ "${k^^}" =~ $secret_name ]] && [ -n "${v//\"/}" ]; then
            report "$line" CP002 "ENV $k bakes a secret into the image; pass it at run time"
          elif [[ "$v" =~ $url_credentials ]]; then
            report "$line" CP002 "ENV $k bakes a URL with credentials into the image"
          fi
        done
      else
        k="${args%% *}"; v="${args#* }"
        if [[ "${k^^}" =~ $secret_name ]] && [ -n "$v" ] && [ "$v" != "$k" ]; then
          report "$line" CP002 "ENV $k bakes a secret into the image; pass it at run time"
        elif [[ "$v" =~ $url_credentials ]]; then
          report "$line" CP002 "ENV $k bakes a URL with credentials into the image"
        fi
      fi
      ;;
    LABEL)
      if [[ "$args" =~ $url_credentials ]]; then
        report "$line" CP002 "LABEL carries a URL with credentials"
      fi
      ;;
    USER)
      stage_user="${args%%:*}"
      [ "$stage" -gt 0 ] && final_user_line="$line"
      ;;
    WORKDIR)
      stage_workdir=1
      wd="$(substitute "$args")"; wd="${wd%\"}"; wd="${wd#\"}"
      [[ "$wd" == /* ]] || report "$line" DL3000 "use absolute WORKDIR: $args"
      ;;
    SHELL)
      [[ "$args" == *pipefail* ]] && stage_pipefail=1
      is_json_array "$args" || report "$line" DL3025 "SHELL must use the JSON (exec) form"
      ;;
    RUN)
      run="$args"
      # strip RUN flags (--mount=..., --network=..., --security=...)
      while [[ "$run" =~ ^--[a-z-]+=[^[:space:]]*[[:space:]]+(.*)$ ]]; do run="${BASH_REMATCH[1]}"; done
      if [[ "$run" =~ \<\<-?[\'\"]?[A-Za-z_]+ ]]; then
        report "$line" CP900 "heredoc in RUN is not supported by this linter: check it by hand or avoid it"
      fi
      if [[ "$run" =~ (^|[[:space:];&|])sudo([[:space:]]|$) ]]; then report "$line" DL3004 "do not use sudo"; fi
      if [[ "$run" =~ (^|[;&|][[:space:]]*)cd[[:space:]] ]]; then report "$line" DL3003 "use WORKDIR to switch to a directory"; fi
      # a pipe: "|" that is not part of "||"
      nopipe="${run//||/}"
      if [[ "$nopipe" == *"|"* ]] && [ "$stage_pipefail" -eq 0 ] && [[ "$run" != *"set -o pipefail"* ]] && ! [[ "$run" =~ set[[:space:]]+-[a-z]*o[[:space:]]+pipefail ]]; then
        report "$line" DL4006 "set SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] (or set -o pipefail) before RUN with a pipe"
      fi
      if [[ "$run" =~ apt-get[[:space:]]+(-[^[:space:]]+[[:space:]]+)*install ]]; then
        [[ "$run" == *--no-install-recommends* ]] || report "$line" DL3015 "avoid additional packages: apt-get install --no-install-recommends"
        [[ "$run" =~ apt-get[[:space:]]+([^&;|]*[[:space:]])?(-y|--yes|-[a-z]*y[a-z]*|--assume-yes|-qq?y)([[:space:]]|$) ]] || report "$line" DL3014 "use the -y switch with apt-get install"
        [[ "$run" == *"rm -rf /var/lib/apt/lists"* ]] || report "$line" DL3009 "delete the apt-get lists after installing (rm -rf /var/lib/apt/lists/*)"
        # every package argument of each "apt-get install" must be pinned as name=version
        segment="$run"
        while [[ "$segment" =~ apt-get[[:space:]]+([^&;|]*[[:space:]])?install[[:space:]]+([^&;|]*)(.*)$ ]]; do
          read -r -a pkgs <<<"${BASH_REMATCH[2]}"
          for pkg in "${pkgs[@]}"; do
            [[ "$pkg" == -* || "$pkg" == *=* || "$pkg" == \\ ]] && continue
            report "$line" DL3008 "pin versions in apt-get install: $pkg (use $pkg=<version>)"
          done
          segment="${BASH_REMATCH[3]}"
        done
      fi
      ;;
    ADD)
      src="$args"
      while [[ "$src" =~ ^--[a-z-]+(=[^[:space:]]*)?[[:space:]]+(.*)$ ]]; do src="${BASH_REMATCH[2]}"; done
      first="${src%% *}"
      if [[ "$first" =~ ^https?:// ]] || [[ "$first" =~ \.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$ ]]; then
        :
      else
        report "$line" DL3020 "use COPY instead of ADD for files and folders"
      fi
      ;;
    COPY)
      from=""
      rest="$args"
      while [[ "$rest" =~ ^(--[a-z-]+(=[^[:space:]]*)?)[[:space:]]+(.*)$ ]]; do
        flag="${BASH_REMATCH[1]}"; rest="${BASH_REMATCH[3]}"
        [[ "$flag" == --from=* ]] && from="${flag#--from=}"
      done
      if [ -n "$from" ]; then
        from_l="${from,,}"
        if [ -n "$current_alias" ] && [ "$from_l" = "$current_alias" ]; then
          report "$line" DL3023 "COPY --from cannot reference its own FROM alias ($from)"
        elif [[ ! "$from_l" =~ ^[0-9]+$ ]] && [ -z "${stage_alias[$from_l]+x}" ] && [[ "$from" != *[:/]* ]]; then
          report "$line" DL3022 "COPY --from should reference a previously defined FROM alias ($from)"
        fi
      fi
      if is_json_array "$rest"; then
        dest="${rest##*,}"; dest="${dest%]}"; dest="${dest//\"/}"; dest="${dest// /}"
        sources="${rest%,*}"
      else
        dest="${rest##* }"
        sources="${rest% *}"
      fi
      if [[ "$dest" != /* ]] && [[ "$dest" != \$* ]] && [ "$stage_workdir" -eq 0 ]; then
        report "$line" DL3045 "COPY to a relative destination without WORKDIR set"
      fi
      if [ -z "$from" ]; then
        for s in $sources; do
          s="${s//[\"\[\],]/}"
          case "$s" in
            .env|.env.*|*/.env|*.pem|*.key|*.p12|*.jks|id_rsa*|*.kubeconfig)
              [[ "$s" == *.example ]] || report "$line" CP003 "do not copy secrets into the image: $s" ;;
            .) report "$line" CP003 "COPY . copies the whole context: list what the image needs (and keep .dockerignore)" ;;
          esac
        done
      fi
      ;;
    EXPOSE)
      for p in $args; do
        port="${p%%/*}"
        if [[ "$port" =~ ^[0-9]+$ ]]; then
          [ "$port" -le 65535 ] || report "$line" DL3011 "valid UNIX ports range from 0 to 65535: $p"
        elif [[ ! "$port" =~ ^\$ ]]; then
          report "$line" DL3011 "EXPOSE needs a port number: $p"
        fi
      done
      ;;
    CMD)
      stage_cmd=$((stage_cmd + 1))
      [ "$stage_cmd" -gt 1 ] && report "$line" DL4003 "multiple CMD instructions in one stage: only the last one takes effect"
      is_json_array "$args" || report "$line" DL3025 "use arguments JSON notation (exec form) for CMD"
      ;;
    ENTRYPOINT)
      stage_entrypoint=$((stage_entrypoint + 1))
      [ "$stage_entrypoint" -gt 1 ] && report "$line" DL4004 "multiple ENTRYPOINT instructions in one stage: only the last one takes effect"
      is_json_array "$args" || report "$line" DL3025 "use arguments JSON notation (exec form) for ENTRYPOINT"
      ;;
    MAINTAINER)
      report "$line" DL4000 "MAINTAINER is deprecated: use LABEL org.opencontainers.image.authors"
      ;;
    HEALTHCHECK|VOLUME|STOPSIGNAL|ONBUILD)
      ;;
    *)
      report "$line" DL1000 "unknown instruction: $instr"
      ;;
  esac
done < <(parse "$file")

[ "$stage" -gt 0 ] || report 1 DL3061 "no FROM instruction"
end_stage
case "$final_user" in
  "")
    report "$last_from_line" CP001 "the final stage sets no USER, so the container runs as root: add USER <non-root>" ;;
  root|0)
    report "$final_user_line" DL3002 "last USER should not be root" ;;
esac

# Parser pass (dockerfile-utils)
DOCKERFILE_UTILS_VERSION=0.16.3
if [ "${DOCKERFILE_LINT_NO_PARSER:-0}" != 1 ] && command -v node >/dev/null && command -v npm >/dev/null; then
  cache="${DOCKERFILE_LINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chat-proxy/dockerfile-lint}"
  stamp="$cache/.installed-dockerfile-utils-$DOCKERFILE_UTILS_VERSION"
  if [ ! -f "$stamp" ]; then
    echo "lint-dockerfile: installing dockerfile-utils@$DOCKERFILE_UTILS_VERSION into $cache"
    mkdir -p "$cache"
    printf '{"name":"chat-proxy-dockerfile-lint","private":true,"dependencies":{"dockerfile-utils":"%s"}}\n' \
      "$DOCKERFILE_UTILS_VERSION" >"$cache/package.json"
    (cd "$cache" && npm install --no-audit --no-fund --loglevel=error >/dev/null) \
      || { echo "lint-dockerfile: npm install of dockerfile-utils failed" >&2; exit 2; }
    touch "$stamp"
  fi
  if ! parser_out="$("$cache/node_modules/.bin/dockerfile-utils" lint "$file" 2>&1)"; then
    printf '%s\n' "$parser_out" | sed "s/^/$name (dockerfile-utils) /"
    findings=$((findings + 1))
  elif [ -n "$parser_out" ]; then
    printf '%s\n' "$parser_out" | sed "s/^/$name (dockerfile-utils) /"
  fi
else
  echo "lint-dockerfile: parser pass skipped (needs node and npm)"
fi

if [ "$findings" -gt 0 ]; then
  echo "lint-dockerfile: $findings finding(s) in $file" >&2
  exit 1
fi
echo "lint-dockerfile: $file is clean"
