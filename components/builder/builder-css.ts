/** The builder's styles, inside its shadow root (the page's CSS cannot reach them, ours cannot leak). */
export const BUILDER_CSS = `
.ccb-builder { font: 13px/1.4 system-ui, sans-serif; color: #1c2434; }
.ccb-panel { position: fixed; top: 12px; right: 12px; width: 380px; max-height: calc(100vh - 24px); overflow: auto;
  background: #fff; border: 1px solid #b9c4d2; border-radius: 8px; box-shadow: 0 8px 28px rgba(0,0,0,.25); padding: 10px 12px;
  z-index: 2147483647; }
.ccb-panel header { display: flex; align-items: center; gap: 6px; }
.ccb-panel h2 { flex: 1; margin: 0; font-size: 15px; }
.ccb-row { display: block; margin: 8px 0; }
.ccb-row input, .ccb-row textarea, .ccb-row select { display: block; width: 100%; box-sizing: border-box; font: 12px ui-monospace, monospace; }
.ccb-fields { width: 100%; border-collapse: collapse; }
.ccb-fields th { text-align: left; font-weight: 600; vertical-align: top; padding: 4px 4px 4px 0; white-space: nowrap; }
.ccb-fields td { vertical-align: top; padding: 4px 0; }
.ccb-fields code, .ccb-view code { font: 11px ui-monospace, monospace; word-break: break-all; }
.ccb-fields .value, .ccb-fields .error { display: block; }
.ccb-why { display: block; color: #5f6d80; }
.ok { color: #1b7a3a; } .error { color: #b42318; }
.ccb-check { font-weight: 600; }
.ccb-view, .ccb-checked { padding-left: 18px; margin: 6px 0; }
.ccb-actions { margin: 8px 0; }
.ccb-export textarea { width: 100%; box-sizing: border-box; font: 11px ui-monospace, monospace; }
.ccb-banner, .ccb-tab { position: fixed; bottom: 12px; left: 12px; margin: 0; padding: 8px 12px; background: #1b3a5c; color: #fff;
  border-radius: 6px; z-index: 2147483647; font: 13px system-ui, sans-serif; border: 0; }
.ccb-outline { position: fixed; pointer-events: none; border: 2px solid #e8590c; background: rgba(232,89,12,.08); z-index: 2147483646; }
button { font: inherit; cursor: pointer; }
`;
