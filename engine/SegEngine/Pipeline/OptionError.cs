using SegEngine.Inference;

namespace SegEngine.Pipeline;

/// <summary>
/// An option set out of range, taken apart so each front end can word it in its own vocabulary (a flag, a C struct
/// field): which option, the value given, and why it is refused.
/// </summary>
/// <param name="Name">The option's .NET name (e.g. <c>StepSize</c>), or null when the check named none.</param>
/// <param name="Value">The value given.</param>
/// <param name="Reason">Why it is refused, e.g. <c>must be in (0, 1]</c>.</param>
internal sealed record OptionError(string? Name, object? Value, string Reason)
{
    /// <summary>The first option of <paramref name="options"/> out of range, or null when all are valid.</summary>
    public static OptionError? Find(InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.Validate();
            return null;
        }
        catch (ArgumentOutOfRangeException e)
        {
            return new OptionError(e.ParamName, e.ActualValue, ReasonOf(e));
        }
    }

    /// <summary>.NET appends " (Parameter 'name')" and the actual value to the message it was given; the reason is what comes before.</summary>
    private static string ReasonOf(ArgumentException exception) => exception.Message.Split(" (Parameter")[0];
}
