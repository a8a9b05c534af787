-- POST /api/v1/session/create as the widget sends it: allowed Origin, JSON body naming the same site.
local origin = os.getenv("BENCH_ORIGIN")
local domain = os.getenv("BENCH_DOMAIN")
wrk.method = "POST"
wrk.body = '{"origin_domain":"' .. domain .. '","page_url":"' .. origin .. '/page"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = origin
wrk.headers["User-Agent"] = os.getenv("BENCH_UA")
