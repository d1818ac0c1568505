"""Web pages of the sample corpus: math articles in five markups inside site boilerplate, off-topic and foreign pages.

* `pages`     the web source (`gen_web`): which pages, with what planted cases;
* `render`    a page's HTML around its content; `mathhtml` / `mathml` the five math markups;
* `offtopic`, `foreign`   pages without math, and math pages in French, German and Spanish.
"""
