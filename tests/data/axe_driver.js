/* Copyright 2026 IT Support Billing contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
 *
 * Runs axe-core on each page of AXE_CONFIG (tests/test_accessibility.py)
 * at each viewport size: the page is loaded in a same-origin iframe of that
 * size (its media queries see that width), axe-core's own script is
 * evaluated in it, and every violation of the WCAG 2.0/2.1 A and AA rules is
 * reported as "page size: rule target: summary". A page with "submit"
 * is measured once more after its form is sent empty (its error state).
 */
(async () => {
    const config = AXE_CONFIG;
    const axeSource = await (await fetch(config.axe_url)).text();
    const failures = [];
    const seen = [];
    let count = 0;

    function loaded(frame, timeout) {
        return new Promise((resolve) => {
            const timer = setTimeout(() => resolve(false), timeout);
            frame.addEventListener(
                "load",
                () => {
                    clearTimeout(timer);
                    resolve(true);
                },
                {once: true}
            );
        });
    }

    const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

    async function audit(frame, label) {
        const win = frame.contentWindow;
        // what a <details> hides is measured too (the typed signature)
        for (const details of win.document.querySelectorAll("details")) {
            details.open = true;
        }
        if (!win.axe) {
            win.eval(axeSource);
        }
        const result = await win.axe.run(win.document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
        });
        const lang = win.document.documentElement.lang;
        if (config.lang && lang !== config.lang) {
            failures.push(`${label}: <html lang="${lang}">, not "${config.lang}"`);
        }
        seen.push(label);
        for (const violation of result.violations) {
            for (const node of violation.nodes) {
                failures.push(
                    `${label}: ${violation.id} ${JSON.stringify(node.target)}: ` +
                        (node.failureSummary || violation.help).replace(/\s+/g, " ").slice(0, 240)
                );
            }
        }
    }

    for (const page of config.pages) {
        for (const [width, height] of config.sizes) {
            const label = `${page.url} ${width}x${height}`;
            const frame = document.createElement("iframe");
            frame.title = "axe";
            frame.style.cssText =
                `position:absolute;top:0;left:0;border:0;z-index:9999;` +
                `width:${width}px;height:${height}px;background:#fff`;
            const done = loaded(frame, 30000);
            frame.src = page.url;
            document.body.appendChild(frame);
            if (!(await done)) {
                failures.push(`${label}: not loaded`);
                frame.remove();
                continue;
            }
            await settle(300);
            if (page.fill) {
                // a filled form sent: the page it leads to is measured
                const doc = frame.contentDocument;
                count += 1;
                for (const [selector, value] of page.fill) {
                    const field = doc.querySelector(selector);
                    if (!field) {
                        failures.push(`${label}: no field ${selector}`);
                    } else if (field.tagName === "SELECT") {
                        field.selectedIndex = value;
                    } else {
                        field.value = value.replace("{n}", count);
                    }
                }
                const sent = loaded(frame, 10000);
                doc.querySelector(`${page.submit} [type=submit]`).click();
                if (!(await sent)) {
                    failures.push(`${label}: the filled form led nowhere`);
                } else {
                    await settle(300);
                    const path = frame.contentWindow.location.pathname;
                    await audit(frame, `${label} (sent: ${path})`);
                }
                frame.remove();
                continue;
            }
            await audit(frame, label);
            if (page.submit) {
                const doc = frame.contentDocument;
                const form = doc.querySelector(page.submit);
                if (!form) {
                    failures.push(`${label}: no form ${page.submit}`);
                } else {
                    // what a visitor gets from the server, not the browser's
                    // own bubbles (those are checked by the keyboard tours)
                    form.noValidate = true;
                    const sent = loaded(frame, 3000);
                    const button = form.querySelector("[type=submit]");
                    if (button) {
                        button.click();
                    } else {
                        form.requestSubmit();
                    }
                    await sent;
                    await settle(300);
                    const errors = frame.contentDocument.querySelectorAll(
                        ".is-invalid, .invalid-feedback, [role=alert]"
                    );
                    if (!errors.length) {
                        failures.push(`${label}: the form sent empty shows no error`);
                    }
                    await audit(frame, `${label} (sent empty)`);
                }
            }
            frame.remove();
        }
    }
    console.info(`axe-core ${config.pages.length} pages: ${seen.join(", ")}`);
    if (failures.length) {
        console.error(`axe-core violations:\n${failures.join("\n")}`);
    } else {
        console.log("test successful");
    }
})();
