/* Loaded in <head> (not inline: the Content Security Policy allows no inline script):
   tell the CSS that scripts run, before the page is drawn. */
document.documentElement.className = document.documentElement.className.replace("no-js", "js");
