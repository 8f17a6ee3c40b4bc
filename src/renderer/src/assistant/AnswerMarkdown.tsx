import { memo, type ReactNode } from 'react';
import Markdown, { defaultUrlTransform, type Components } from 'react-markdown';
import { CopyButton } from '../deploy/CopyButton';
import { isSafeLink, openAnswerLink } from './openLink';

// An answer is markdown written by a model, which may repeat whatever a machine name, a note or a log carried. It is
// rendered without raw HTML (react-markdown turns it into plain text; no rehype-raw), with a short list of elements,
// no pictures (they would be fetched from anywhere), and links that are links only for web and mail addresses and
// open outside the app.

/** The elements an answer may have; anything else (raw HTML included) never becomes an element. */
const allowedElements = ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'img'];

/** Keeps a link's address only when it is a web or mail address; every other URL (a picture's too) becomes empty. */
function urlTransform(url: string, key: string): string {
  if (key !== 'href') return '';
  const safe = defaultUrlTransform(url);
  return isSafeLink(safe) ? safe : '';
}

/** A node of the answer's HTML tree, as far as its text goes. */
interface TextNode {
  type: string;
  value?: string;
  children?: readonly TextNode[];
}

/** The text of a tree node (a code block's, to copy). */
function textOf(node: TextNode | undefined): string {
  if (node === undefined) return '';
  if (node.type === 'text') return node.value ?? '';
  return (node.children ?? []).map(textOf).join('');
}

function AnswerLink({ href, children }: { href?: string; children?: ReactNode }) {
  if (href === undefined || href === '') return <span className="answer-not-a-link">{children}</span>;
  return (
    <a
      href={href}
      title={href}
      rel="noreferrer noopener"
      onClick={(event) => {
        event.preventDefault();
        void openAnswerLink(href);
      }}
    >
      {children}
    </a>
  );
}

function CodeBlock({ node, children }: { node?: TextNode; children?: ReactNode }) {
  const text = textOf(node).replace(/\n$/, '');
  return (
    <div className="answer-code" data-testid="assistant-code-block">
      <pre>{children}</pre>
      <CopyButton text={text} label="Copy the code" />
    </div>
  );
}

/** A picture is not fetched: its description stands in for it. */
function PictureText({ alt }: { alt?: string }) {
  return alt === undefined || alt === '' ? null : <span className="answer-picture">[{alt}]</span>;
}

// Module scope: the same objects on every render, so react-markdown does not rebuild its renderers.
const components: Components = {
  a: ({ href, children }) => <AnswerLink href={href}>{children}</AnswerLink>,
  pre: ({ node, children }) => <CodeBlock node={node as TextNode | undefined}>{children}</CodeBlock>,
  img: ({ alt }) => <PictureText alt={alt} />,
};

/** An answer's text as sanitised markdown: no raw HTML, no pictures, safe links, code blocks with a Copy button. */
export const AnswerMarkdown = memo(function AnswerMarkdown({ text }: { text: string }) {
  return (
    <div className="answer-markdown">
      <Markdown allowedElements={allowedElements} unwrapDisallowed urlTransform={urlTransform} components={components}>
        {text}
      </Markdown>
    </div>
  );
});
