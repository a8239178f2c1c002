// A small, safe Markdown renderer for model responses and prompts.
//
// It understands a subset: paragraphs, line breaks, headings (#), fenced code blocks (```),
// indented code is left as text, bullet (-, *, +) and numbered (1.) lists, block quotes (>),
// and inline `code`, **strong** and *emphasis* (or _emphasis_). Everything else, links and
// HTML included, is shown as the characters it is. The result is built from DOM nodes whose
// text is set with textContent: task data is never parsed as HTML, so nothing in it can run
// (and the page's strict Content-Security-Policy is never relied on alone).

function node(tag, className) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return el;
}

// Inline spans: `code` first (its inside is literal), then **strong**, then *em* / _em_.
const INLINE = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|\*\*(?=\S)([\s\S]*?\S)\*\*|\*(?=\S)([^*]*?\S)\*|\b_(?=\S)([^_]*?\S)_\b/;

function inline(text, parent) {
  let rest = text;
  while (rest) {
    const match = INLINE.exec(rest);
    if (!match) {
      parent.append(document.createTextNode(rest));
      return;
    }
    if (match.index > 0) parent.append(document.createTextNode(rest.slice(0, match.index)));
    if (match[1]) {
      const code = node("code");
      code.textContent = match[2];
      parent.append(code);
    } else if (match[3] !== undefined) {
      const strong = node("strong");
      inline(match[3], strong);
      parent.append(strong);
    } else {
      const em = node("em");
      inline(match[4] ?? match[5], em);
      parent.append(em);
    }
    rest = rest.slice(match.index + match[0].length);
  }
}

// Lines joined into one block keep their breaks as <br>, as chat text usually means them.
function lines(textLines, parent) {
  textLines.forEach((line, i) => {
    if (i > 0) parent.append(node("br"));
    inline(line, parent);
  });
}

const FENCE = /^\s{0,3}(```+|~~~+)\s*([\w+#.-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

function isBlockStart(line) {
  return FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || NUMBERED.test(line) || QUOTE.test(line);
}

// Render ``text`` into a new <div class="md">; returns the element.
export function markdown(text) {
  const root = node("div", "md");
  blocks(String(text ?? "").replace(/\r\n?/g, "\n").split("\n"), root);
  return root;
}

function blocks(all, root) {
  let i = 0;
  while (i < all.length) {
    const line = all[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body = [];
      i += 1;
      while (i < all.length && !all[i].trim().startsWith(fence[1])) body.push(all[i++]);
      i += 1;  // the closing fence (or the end of the text)
      const pre = node("pre");
      const code = node("code");
      if (fence[2]) code.dataset.lang = fence[2];
      code.textContent = body.join("\n");
      pre.append(code);
      root.append(pre);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      // Headings inside a response are shown small: they are the response's, not the page's.
      const h = node("p", `md-h md-h${heading[1].length}`);
      inline(heading[2], h);
      root.append(h);
      i += 1;
      continue;
    }
    if (QUOTE.test(line)) {
      const inner = [];
      while (i < all.length && QUOTE.test(all[i])) inner.push(QUOTE.exec(all[i++])[1]);
      const quote = node("blockquote");
      blocks(inner, quote);
      root.append(quote);
      continue;
    }
    const ordered = NUMBERED.test(line);
    if (ordered || BULLET.test(line)) {
      const pattern = ordered ? NUMBERED : BULLET;
      const list = node(ordered ? "ol" : "ul");
      if (ordered) {
        const start = Number(NUMBERED.exec(line)[1]);
        if (start !== 1) list.setAttribute("start", String(start));
      }
      let item = null;
      while (i < all.length && all[i].trim()) {
        const m = pattern.exec(all[i]);
        if (m) {
          item = node("li");
          inline(ordered ? m[2] : m[1], item);
          list.append(item);
        } else if (isBlockStart(all[i])) {
          break;
        } else {
          item.append(node("br"));  // a continuation line of the item
          inline(all[i].trim(), item);
        }
        i += 1;
      }
      root.append(list);
      continue;
    }
    const para = [];
    while (i < all.length && all[i].trim() && !(para.length && isBlockStart(all[i]))) para.push(all[i++]);
    const p = node("p");
    lines(para, p);
    root.append(p);
  }
}

// A conversation as chat bubbles: [{role, content}] -> <ol class="chat">.
export function chat(messages) {
  const list = node("ol", "chat");
  let turn = 0;
  for (const message of messages) {
    const li = node("li", `chat-turn chat-${message.role}`);
    const who = node("span", "chat-role");
    who.textContent = message.role;
    if (message.role === "assistant") {
      // Numbered, so that a field scoring each assistant turn can say which one it means.
      turn += 1;
      li.dataset.turn = String(turn);
      who.textContent = `assistant · turn ${turn}`;
    }
    li.append(who, markdown(message.content));
    list.append(li);
  }
  return list;
}

// Whether ``value`` is a conversation: a non-empty list of {role, content} messages.
export function isConversation(value) {
  return Array.isArray(value) && value.length > 0 && value.every((m) =>
    m && typeof m === "object" && ["system", "user", "assistant"].includes(m.role) && typeof m.content === "string");
}
