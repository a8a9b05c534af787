package io.chatproxy.routes;

/** The admission pool a route waits in for a permit; {@link #NONE} routes are admitted at once. */
public enum AdmissionGroup {
    /** Chat streams (a permit is held until the stream ends): sized from what n8n can carry. */
    CHAT,
    /** Session create/validate/end: sized from the database pool. */
    SESSION,
    /** History reads: sized from the database pool. */
    HISTORY,
    /** Not admission-controlled (probes, widget assets). */
    NONE
}
