package dev.quietstar.core.report;

/**
 * The inline style sheet and scripts of a {@link ThoughtReport} page: the token colours and layout, an error trap
 * installed before anything else runs (so that a script error shows in the page itself), and the script that wires
 * the details panel and marks the page as rendered ({@code data-ready}, {@code data-tokens}, {@code data-charts} on
 * {@code <body>}). Nothing here is fetched: the page's content security policy allows inline code only.
 */
final class ReportPageAssets {

    private ReportPageAssets() {}

    static final String CSS = String.join("\n",
            "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em auto;max-width:1100px;"
                    + "padding:0 1em;color:#222;background:#fff}",
            "h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #ddd;padding-bottom:.2em}",
            "table.kv{border-collapse:collapse}table.kv th{text-align:left;font-weight:normal;color:#555;"
                    + "padding:.15em 1.2em .15em 0}table.kv td{font-variant-numeric:tabular-nums}",
            ".tokens{font-family:ui-monospace,'DejaVu Sans Mono',monospace;white-space:pre-wrap;line-height:1.9;"
                    + "border:1px solid #ddd;padding:.8em;border-radius:4px;word-break:break-word}",
            ".tok{border-radius:2px;cursor:pointer;outline-offset:1px}",
            ".tok:hover,.tok:focus{outline:1px solid #333}.tok.sel{outline:2px solid #1f4fd1}",
            ".tok.na{text-decoration:underline dotted #999}",
            ".legend{font-size:.9em;color:#444}.swatch{padding:0 .4em;border-radius:2px}",
            ".ramp{display:inline-block;width:120px;height:.8em;vertical-align:middle;border:1px solid #ccc;"
                    + "background:linear-gradient(to right,rgba(220,38,38,.8),#fff,rgba(22,163,74,.8))}",
            ".details{margin-top:.8em;border:1px solid #ddd;border-radius:4px;padding:.5em .8em;background:#fafafa}",
            ".details dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}",
            ".details dt{color:#555}.details dd{margin:0;white-space:pre-wrap;font-family:ui-monospace,monospace}",
            ".hint{margin:.2em 0 .5em;color:#777;font-size:.9em}",
            ".charts{display:flex;flex-wrap:wrap;gap:1em}.chart{border:1px solid #eee;border-radius:4px}",
            ".empty{color:#777;font-style:italic}",
            ".js-errors{color:#a00;white-space:pre-wrap;border:1px solid #a00;padding:.5em}",
            ".js-errors:empty{display:none}");

    /** Installed first, so an error anywhere in the page is written into the page itself. */
    static final String ERROR_SCRIPT = String.join("\n",
            "(function(){",
            "function report(msg){var box=document.getElementById('js-errors');",
            "if(box){box.textContent+=msg+'\\n';}else{window.__pendingErrors=(window.__pendingErrors||[]);",
            "window.__pendingErrors.push(msg);}}",
            "window.onerror=function(msg,src,line,col){report(String(msg)+' (line '+line+':'+col+')');};",
            "window.addEventListener('unhandledrejection',function(e){report('unhandled rejection: '+e.reason);});",
            "window.__reportError=report;",
            "})();");

    /** Wires the details panel and marks the page as rendered. */
    static final String PAGE_SCRIPT = String.join("\n",
            "(function(){",
            "'use strict';",
            "var box=document.getElementById('js-errors');",
            "(window.__pendingErrors||[]).forEach(function(m){box.textContent+=m+'\\n';});",
            "var toks=document.querySelectorAll('#tokens .tok');",
            "var selected=null;",
            "function put(id,v){document.getElementById(id).textContent=v;}",
            "function show(i){",
            "var t=toks[i];if(!t){return;}",
            "if(selected){selected.classList.remove('sel');}",
            "t.classList.add('sel');selected=t;",
            "put('d-index',(i+1)+' of '+toks.length);",
            "put('d-token',t.dataset.text);put('d-thought',t.dataset.thought);",
            "put('d-w',t.dataset.w);put('d-pb',t.dataset.pb);put('d-pt',t.dataset.pt);put('d-delta',t.dataset.d);",
            "}",
            "Array.prototype.forEach.call(toks,function(t,i){",
            "t.addEventListener('click',function(){show(i);});",
            "t.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();show(i);}});",
            "});",
            "if(toks.length>0){show(0);}",
            "document.body.dataset.tokens=String(toks.length);",
            "document.body.dataset.charts=String(document.querySelectorAll('svg.chart').length);",
            "document.body.dataset.ready='yes';",
            "})();");
}
