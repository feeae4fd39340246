package dev.dash.model.mapping;

import com.fasterxml.jackson.core.JsonPointer;

/** Collects the JSON Pointers a compiled mapping reads of an event ({@link CompiledMapping#bodySubset}). */
interface PointerSink {
    /**
     * One pointer.
     *
     * @param pointer the pointer
     * @param rootScope true when it is read from the document's root, false from the row's item (the exploded
     *     element, or the root when the mapping explodes nothing)
     */
    void add(JsonPointer pointer, boolean rootScope);
}
