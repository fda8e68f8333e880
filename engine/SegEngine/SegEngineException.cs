namespace SegEngine;

/// <summary>A domain failure: bad input, an inconsistent model, an unsupported feature. The message is meant for users.</summary>
public class SegEngineException : Exception
{
    public SegEngineException(SegErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    public SegEngineException(SegErrorCode code, string message, Exception inner)
        : base(message, inner)
    {
        Code = code;
    }

    public SegErrorCode Code { get; }
}
