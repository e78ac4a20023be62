/**
 * The HTTP edge's own types: the problem+json answer and the strict JSON body reader. Every route
 * class uses them, wherever it lives (api, or a domain package's {@code ...Routes}), so they sit
 * in a leaf package that imports no other package of the engine; domain classes never import it.
 */
package org.clearing.http;
