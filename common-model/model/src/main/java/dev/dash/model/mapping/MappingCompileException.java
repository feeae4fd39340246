package dev.dash.model.mapping;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The one error type of mapping compilation: the document is not a valid mapping. It lists every problem
 * found, each with a JSON Pointer into the document, so an editor can mark them all at once; the web
 * service answers 400 with {@link #problems()}.
 */
public class MappingCompileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<MappingProblem> problems;

    /**
     * Creates the exception.
     *
     * @param problems at least one problem
     */
    public MappingCompileException(List<MappingProblem> problems) {
        super(problems.stream().map(MappingProblem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    /**
     * Every problem found, in document order.
     *
     * @return the problems
     */
    public List<MappingProblem> problems() {
        return problems;
    }
}
