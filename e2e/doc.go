// Package e2e holds HotDash's end-to-end tests: the whole server started
// in-process on loopback with its real store, driven by a real browser
// (chromedp and Debian's Chromium), with axe-core checking each main page for
// accessibility problems.
package e2e
