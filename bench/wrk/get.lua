-- GET with the session cookie and the User-Agent the session was created with (the cookie is bound to the browser).
wrk.method = "GET"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["User-Agent"] = os.getenv("BENCH_UA")
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
