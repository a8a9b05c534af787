/**
 * Reading settings: real environment variables, then a {@code .env} file, then app.yaml in the working directory, then
 * the app.yaml in the jar ({@code SettingsSource}; {@code SettingNames} maps the operators' usual variable names to
 * app.yaml keys), read once at start-up by {@code SettingsReader} into each feature's typed settings record; a bad value stops start-up with
 * a {@code ConfigurationException} naming the setting. Depends on no other package of the project.
 */
package io.chatproxy.config;
