/**
 * chat-proxy: a secure proxy between chat widgets on websites and an n8n AI workflow. {@link io.chatproxy.Main}
 * starts it; {@link io.chatproxy.ChatProxy} builds every feature from {@link io.chatproxy.AppSettings} and registers
 * their routes (declared once in {@link io.chatproxy.routes.RouteTable}). ARCHITECTURE.md follows a message through
 * the packages.
 */
package io.chatproxy;
