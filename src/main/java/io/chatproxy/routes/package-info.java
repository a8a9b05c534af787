/**
 * The one table of routes: every path the server answers, declared once with its admission group, drain refusal,
 * rate-limit scopes, CORS and body limit. Filters and guards derive from it, and start-up fails on a route that a
 * service registers without declaring it. Uses only web.
 */
package io.chatproxy.routes;
