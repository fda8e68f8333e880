using System.Globalization;
using System.Text;

namespace SegEngine.Model.Checkpoints;

/// <summary>
/// Finds where in an unpickled tree a global is used and spells that place the way Python indexes it, e.g.
/// <c>['init_args']['plans']</c>, so an error can say which key of a checkpoint holds it.
/// </summary>
/// <remarks>
/// Breadth first, so the shortest of several paths is named; each container is visited once (pickles may share
/// objects and even contain cycles through the memo), without recursion (nesting may be deep). A call is found at the
/// path of the value it builds; its arguments are <c>.args[i]</c>, its keyword arguments <c>.kwargs['k']</c> and its
/// <c>BUILD</c> state <c>.state</c>.
/// </remarks>
internal static class PickleGlobalLocator
{
    /// <summary>The path of the first use of <paramref name="global"/> (by value) in <paramref name="root"/>, or null when the tree does not hold it.</summary>
    public static string? Find(object? root, PickleGlobal global)
    {
        var parents = new Dictionary<object, (object? Parent, string Step)>(ReferenceEqualityComparer.Instance);
        var queue = new Queue<object>();
        Visit(root, null, "");
        while (queue.Count > 0)
        {
            object node = queue.Dequeue();
            if (node is PickleGlobal candidate)
            {
                if (candidate == global)
                {
                    return PathOf(node);
                }

                continue;
            }

            foreach ((object? child, string step) in Children(node))
            {
                Visit(child, node, step);
            }
        }

        return null;

        void Visit(object? child, object? parent, string step)
        {
            if (child is (PickleGlobal or PickleDict or PickleCall or PickleTuple or List<object?>) && parents.TryAdd(child, (parent, step)))
            {
                queue.Enqueue(child);
            }
        }

        string PathOf(object node)
        {
            var steps = new List<string>();
            for (object? at = node; at is not null; at = parents[at].Parent)
            {
                steps.Add(parents[at].Step);
            }

            steps.Reverse();
            string path = string.Concat(steps);
            return path.Length == 0 ? "the top level" : path;
        }
    }

    private static IEnumerable<(object? Child, string Step)> Children(object node)
    {
        switch (node)
        {
            case PickleDict dict:
                foreach ((object? child, string step) in Items(dict, ""))
                {
                    yield return (child, step);
                }

                yield return (dict.State, ".state");
                break;
            case PickleCall call:
                yield return (call.Callable, "");
                foreach ((object? child, string step) in Elements(call.Arguments.Items, ".args"))
                {
                    yield return (child, step);
                }

                if (call.KeywordArguments is not null)
                {
                    foreach ((object? child, string step) in Items(call.KeywordArguments, ".kwargs"))
                    {
                        yield return (child, step);
                    }
                }

                yield return (call.State, ".state");
                if (call.DictItems is not null)
                {
                    foreach ((object? child, string step) in Items(call.DictItems, ""))
                    {
                        yield return (child, step);
                    }
                }

                foreach ((object? child, string step) in Elements(call.ListItems ?? [], ""))
                {
                    yield return (child, step);
                }

                break;
            case PickleTuple tuple:
                foreach ((object? child, string step) in Elements(tuple.Items, ""))
                {
                    yield return (child, step);
                }

                break;
            case List<object?> list:
                foreach ((object? child, string step) in Elements(list, ""))
                {
                    yield return (child, step);
                }

                break;
        }
    }

    private static IEnumerable<(object? Child, string Step)> Items(PickleDict dict, string prefix)
    {
        for (int i = 0; i < dict.Entries.Count; i++)
        {
            (object? key, object? value) = dict.Entries[i];
            yield return (key, string.Create(CultureInfo.InvariantCulture, $"{prefix}.keys()[{i}]"));
            yield return (value, $"{prefix}[{KeyText(key)}]");
        }
    }

    private static IEnumerable<(object? Child, string Step)> Elements(IReadOnlyList<object?> items, string prefix)
    {
        for (int i = 0; i < items.Count; i++)
        {
            yield return (items[i], string.Create(CultureInfo.InvariantCulture, $"{prefix}[{i}]"));
        }
    }

    /// <summary>A key as Python would write it: <c>'text'</c>, <c>3</c>, or a description for other kinds.</summary>
    private static string KeyText(object? key) =>
        key switch
        {
            string text => $"'{Escape(text)}'",
            long number => number.ToString(CultureInfo.InvariantCulture),
            bool flag => flag ? "True" : "False",
            null => "None",
            _ => $"<{PickleValues.Describe(key)}>",
        };

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text.Length <= 60 ? text : text[..60] + "...")
        {
            escaped.Append(c switch
            {
                '\'' => "\\'",
                '\\' => "\\\\",
                _ when char.IsControl(c) => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
