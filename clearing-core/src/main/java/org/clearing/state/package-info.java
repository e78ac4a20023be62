/** Status transition tables declared as data; a leaf every stateful package may use. */
package org.clearing.state;
